from aifabric.cli.main import main

main()
