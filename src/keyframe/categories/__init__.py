"""Categories: the tree, its members (categoryUser), its entries (categoryEntry) and privacy contexts."""
