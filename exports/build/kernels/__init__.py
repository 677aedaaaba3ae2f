"""Compiled and columnar passes of the build (numba, Arrow): ``make kernels`` compiles them ahead."""
