from fengkong.cli.main import main

main()
