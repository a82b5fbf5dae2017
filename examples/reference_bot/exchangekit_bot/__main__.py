"""``python -m exchangekit_bot``: the same as the ``exchangekit-bot`` console script."""

from exchangekit_bot.cli import main

raise SystemExit(main())
