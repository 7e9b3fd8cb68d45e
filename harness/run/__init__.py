"""One run of the suite: prepare (build + discover) and run items through adapter clients
(`runner`), the session a command opens (`session`), and reply + expectations -> verdict
(`verdict`)."""
