"""Speed and accuracy benchmarks of the course (``make bench``)."""
