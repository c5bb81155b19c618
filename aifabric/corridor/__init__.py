"""Long-haul DWDM corridor designer: network, routing, optical sizing, GNPy checks, plan and RFP outputs."""
