"""JSON decision-tree policies: the field catalogue, the schema check and the compiler."""
