"""The typer command line: thin modules that parse, call the core and render."""
