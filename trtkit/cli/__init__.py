"""The command line: thin modules that parse flags, load config, call a stage and render the result.

Nothing heavy is imported at module level here, so `trtkit --help` stays fast.
"""
