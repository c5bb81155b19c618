from aifabric.cli.main import run

run()
