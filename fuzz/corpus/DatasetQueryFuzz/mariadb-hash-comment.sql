SELECT a # the :old key
FROM t WHERE k = :key #:tail