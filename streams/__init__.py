"""The streaming side of newsflow: Faust app, topics and the flow between stages."""
