"""Judge calibration: instructors' labelled examples, agreement reports and the gate that
lets a judge configuration go live only when it agrees with them."""
