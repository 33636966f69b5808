-- The database ceiling: the three queries a "hot"/"cold" request needs (hr.employee,
-- establishment.staffing, finance.salary, as in bench/config/mappings), for a random subject.
-- Run with pgbench -M prepared -D subjects=N; 330102190000000000 + 10*i is subject i's ID number as a number,
-- which pgbench sends as text, bound like the gateway's :id_card parameter.
\set id random(1, :subjects)
\set card 330102190000000000 + 10 * :id
SELECT id_card, name, former_name, gender, birth_date, ethnicity, education, work_start, military_start, phone, fund_account, native_place, political_status, degree, major, school FROM hr.employee WHERE id_card = :card;
SELECT org, org_credit_code, post, post_level, establishment_type, staffed_since, department_name, post_category, appointed_by, appointment_doc FROM establishment.staffing WHERE id_card = :card;
SELECT base_salary, grade_salary, allowance, paid_through, performance_bonus, housing_subsidy, seniority_pay, bank_name, bank_account, pay_grade FROM finance.salary WHERE id_card = :card;
