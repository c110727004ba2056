"""Benchmarks behind `qa bench`: each prints figures next to their floor, none is a timed test.

speed     cold start, warm search, build and serving figures of one run (`qa bench`)
embed     how fast `qa build` embeds a library (`qa bench --only embed`)
serving   the web app started and loaded with API clients
scale     FAISS index types and BM25 on synthetic corpora (`qa bench --scale`)
measure   timers, memory and percentiles shared by the above
"""
