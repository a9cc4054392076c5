"""Side-by-side benchmarks: `LambdaHandler` against Mangum, apig-wsgi and serverless-wsgi.

`python -m bench` (or `bash scripts/bench.sh`) measures per-invocation time, cold cost,
Lambda cold start through the runtime emulator, and collects the browser figures the
browser tests record; it prints one table with every target and writes a JSON result.
"""
