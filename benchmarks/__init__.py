"""Albany's benchmark: wrk against Albany and the other Python servers, in one run."""
