"""The mathematics: the spec, the network as sympy symbols, derivations, numbers, optimizers."""
