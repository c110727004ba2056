"""How the candidates of a question are ordered, beyond each measure's own score (qa/search.py
applies them in this order; README, "Retrieval quality", has each one's figures in a table,
docs/retrieval.md how each was chosen).

fusion    the dense and lexical scores on one 0–1 scale, the weights following BM25's evidence
fields    a document's title, subtitle and symbols as evidence for the paragraphs under it
acts      a question about what an organ did: that organ's resolutions and decisions rise
clauses   a question that asks two things: every part must be answered
lists     a list of documents ranks a little below the prose around it
answers   a paragraph that holds the type of answer asked for (a count, a date, a person) rises
copies    a text several documents share ranks at its source, the earliest, once
"""
