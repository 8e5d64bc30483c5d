"""The inbound pipeline: a declared list of small named steps; steps collect reasons, a decision acts."""
