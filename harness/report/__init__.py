"""Reports: results.json, junit.xml and the terminal summary (`report`), report.html
(`html_report`), and the one JUnit writer (`junit`)."""
