"""Checks of a built site against its plan: LLDP neighbor tables compared with the cabling plan."""
