"""Pages, one module per responsibility. Views stay thin: reads go through querysets and
selectors, writes through services."""
