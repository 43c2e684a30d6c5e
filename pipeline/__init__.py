"""cvmatch pipeline: extract text from CVs, parse them into profiles, score them."""

#: Bump when parsing output changes, so cached profiles are parsed again.
PARSER_VERSION = "2"  # 2: role titles, occupations, layout headings, contact-free text terms
