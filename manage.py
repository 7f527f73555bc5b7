#!/usr/bin/env python
"""Django's command-line utility; `kefu` does the same once installed."""

from kefu.cli import main

if __name__ == "__main__":
    main()
