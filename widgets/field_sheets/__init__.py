"""What goes to the field and back: field sheets and route PDFs, the Export dialog and command, importing a file."""
