from ytempire.cli import main

main()
