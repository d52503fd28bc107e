"""Provider clients; each module imports its SDK only when a client is built."""
