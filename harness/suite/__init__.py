"""The suite as data: the catalogue (`catalogue`, its one reader), the items of each object and
their `.conform` expectations (`discovery`), the known failures and findings (`expectations`)."""
