"""One construct per capability; ``infra.stack.BoomerangStack`` only composes them."""
