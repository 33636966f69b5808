SELECT 5--:n FROM t WHERE k = :key -- :old
