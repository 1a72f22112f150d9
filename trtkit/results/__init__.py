"""Result types of the stages and the orchestration: what renderers render, below both (imports go down)."""
