from wirecopy.cli import main

main()
