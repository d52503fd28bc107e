"""The edge authorizer: API Gateway's check that a request came through CloudFront (deploy/edge_authorizer.tf)."""
