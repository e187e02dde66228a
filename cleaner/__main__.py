"""``python -m cleaner``: the ``cleaner`` command."""

from cleaner.entry import cleaner_main

if __name__ == "__main__":
    cleaner_main()
