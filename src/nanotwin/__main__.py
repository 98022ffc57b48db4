"""``python -m nanotwin`` runs the command line, as the ``nanotwin`` script does."""

from nanotwin.cli import main

if __name__ == "__main__":
    main()
