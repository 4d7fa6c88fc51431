"""Where lab work happens: a student's namespace on the classroom cluster, their own cluster, the terminal."""
