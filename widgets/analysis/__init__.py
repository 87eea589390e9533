"""The AI analyses of a device in their own windows: personalisation, revenue comparison, demand forecast, products
bought together, the AI dashboard and experiments; and the suggestion feedback they report."""
