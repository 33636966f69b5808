SELECT a -- :comment ?
FROM t WHERE k = :k