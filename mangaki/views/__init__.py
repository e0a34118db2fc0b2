"""Pages, one module per responsibility. Views stay thin: reads go through querysets,
selectors and the recommendation lists, writes through services."""
