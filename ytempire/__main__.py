from ytempire.app.cli import main

main()
