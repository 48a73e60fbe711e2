"""The base every stage uses: the domain vocabulary, municipalities, errors, the store, the lock,
settings and child processes. It imports nothing of ours."""
