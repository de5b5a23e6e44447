"""The parts of scripts/gen_nn_fixtures.py: encoding, the case registry and operand builders,
running a case in torch, and the case lists by loss family."""
