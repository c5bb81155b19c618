"""How --help reads: flags show no `<bool>` type, and a long token (a default, an example) folds onto the next line
instead of being cut with "…".

typer builds its help tables inside `typer.rich_utils` with no option for either; the two functions are wrapped
here, once, when the app is built. Should typer rename them, help keeps typer's own look (nothing breaks).
"""

from __future__ import annotations


def apply() -> None:
    """Wrap typer's option-type and option-help renderers (idempotent)."""
    try:
        from rich.text import Text
        from typer import rich_utils
        from typer.core import TyperOption
    except ImportError:  # pragma: no cover - typer without rich help
        return
    if getattr(rich_utils, "_aifabric_help_style", False):
        return
    type_of = getattr(TyperOption, "display_type_rich", None)
    help_of = getattr(rich_utils, "_get_parameter_help", None)
    if type_of is None or help_of is None:
        return

    def display_type_rich(self, ctx):
        # A flag takes no value: its type column stays empty, as click's plain help shows it.
        return None if getattr(self, "is_bool_flag", False) else type_of(self, ctx)

    def parameter_help(*args, **kwargs):
        columns = help_of(*args, **kwargs)
        for item in getattr(columns, "renderables", ()):
            if isinstance(item, Text):
                item.overflow = "fold"
        return columns

    TyperOption.display_type_rich = display_type_rich
    rich_utils._get_parameter_help = parameter_help
    rich_utils._aifabric_help_style = True
