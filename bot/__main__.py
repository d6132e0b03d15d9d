"""`python -m bot` does what `borderdesk` does."""

from bot.cli import main

raise SystemExit(main())
