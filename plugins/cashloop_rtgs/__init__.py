"""The built-in ``rtgs`` evaluator: a cent-exact RTGS payment-system simulator."""
