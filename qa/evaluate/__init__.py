"""Evaluation against labels written by reading the documents (`qa eval`).

retrieval  Recall@k, MRR@10 and nDCG@10 of each mode on the project's question sets
ingest     how well documents are read: symbol, date, title, numbering (`qa eval --ingest`)
"""
