"""Media entries: metadata, content from uploads or URLs, content facts and download."""
