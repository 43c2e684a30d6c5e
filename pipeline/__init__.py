"""cvmatch pipeline: extract text from CVs, parse them into profiles, score them."""

#: Bump when parsing output changes, so cached profiles are parsed again.
PARSER_VERSION = "1"
