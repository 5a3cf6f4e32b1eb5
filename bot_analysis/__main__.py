"""``python -m bot_analysis``: the same as the ``bot-analysis`` command."""

from .cli import main

if __name__ == "__main__":
    main()
