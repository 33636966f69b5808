-- Synthetic department data for the benchmark: one PostgreSQL database, one schema per
-- department (the six of the demo), each read by its own login role whose search_path is that
-- schema, so the gateway's unqualified demo queries ("FROM employee") run unchanged and each
-- source keeps its own connection pool.
--
-- Run with psql -v subjects=N (default below). Subject i has ID number
--   '33010219' || lpad(i, 9, '0') || '0'   (= 330102190000000000 + 10*i as a number),
-- which pgbench can compute from \set id random(1, N). Everyone is in every table: the
-- benchmark measures answers, not not_found paths. Rows are generated with generate_series, so
-- 100,000 subjects take seconds; nothing is committed as data.

\set ON_ERROR_STOP on
\if :{?subjects}
\else
  \set subjects 100000
\endif

SET client_min_messages = warning;

DO $$
DECLARE dept text;
BEGIN
  FOREACH dept IN ARRAY ARRAY['hr', 'establishment', 'finance', 'housing_fund', 'civil_affairs',
                              'medical_insurance'] LOOP
    EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', dept);
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = dept) THEN
      EXECUTE format('CREATE ROLE %I LOGIN', dept);
    END IF;
    EXECUTE format('CREATE SCHEMA %I AUTHORIZATION %I', dept, dept);
    EXECUTE format('ALTER ROLE %I SET search_path = %I', dept, dept);
  END LOOP;
END
$$;

-- Small vocabularies indexed by i; sizes are co-prime-ish so columns do not move in lockstep.
CREATE TEMP TABLE words AS SELECT
  '{王,李,张,刘,陈,杨,黄,赵,吴,周,徐,孙,马,朱,胡,郭,何,高,林,罗,郑,梁,谢}'::text[] AS surnames,
  '{建国,军,华,明,伟,强,秀英,芳,娜,敏,静,丽,志宏,海波,晓俊,桂兰,雪梅,丹}'::text[] AS given,
  '{汉族,汉族,汉族,汉族,汉族,汉族,畲族,回族,满族}'::text[] AS ethnicities,
  '{研究生,大学本科,大学本科,大学本科,大学专科,大学专科,中等专科,高中}'::text[] AS educations,
  '{杭州市教育局,杭州市财政局,杭州市人力资源和社会保障局,杭州市民政局,杭州市卫生健康委员会,杭州市档案馆,杭州市第一中学}'::text[] AS orgs,
  '{科员,副科长,科长,副处长,处长,教师,主任科员}'::text[] AS posts,
  '{一级科员,四级主任科员,二级主任科员,一级调研员,二级巡视员,专业技术十级}'::text[] AS levels,
  '{行政编制,事业编制,参照公务员法管理事业编制}'::text[] AS establishment_types,
  '{浙江杭州,浙江宁波,浙江温州,浙江绍兴,安徽黄山,江西上饶,江苏苏州}'::text[] AS places,
  '{中共党员,中共党员,群众,民革党员,九三学社社员}'::text[] AS political,
  '{浙江大学,杭州师范大学,浙江工业大学,浙江财经大学,中国计量大学}'::text[] AS schools,
  '{汉语言文学,法学,会计学,计算机科学与技术,行政管理,数学与应用数学}'::text[] AS majors,
  '{中国工商银行杭州分行,中国建设银行杭州分行,杭州银行,浙江农商银行}'::text[] AS banks,
  '{已婚,已婚,已婚,未婚,离异,丧偶}'::text[] AS marital;

CREATE TABLE hr.employee (
  id_card varchar(18) PRIMARY KEY,
  name varchar(32) NOT NULL,
  former_name varchar(32),
  gender varchar(2) NOT NULL,
  birth_date date NOT NULL,
  ethnicity varchar(16),
  education varchar(16),
  work_start date NOT NULL,
  military_start date,
  phone varchar(20),
  fund_account varchar(20),
  native_place varchar(32),
  political_status varchar(16),
  degree varchar(16),
  major varchar(32),
  school varchar(64)
);
INSERT INTO hr.employee
SELECT '33010219' || lpad(i::text, 9, '0') || '0',
       w.surnames[1 + i % 23] || w.given[1 + i % 18],
       CASE WHEN i % 17 = 0 THEN w.surnames[1 + i % 23] || '小' || w.given[1 + i % 18] END,
       CASE WHEN i % 2 = 0 THEN '男' ELSE '女' END,
       date '1960-01-01' + (i % 3650),
       w.ethnicities[1 + i % 9],
       w.educations[1 + i % 8],
       date '1980-07-01' + (i % 5000),
       CASE WHEN i % 11 = 0 THEN date '1978-12-01' + (i % 900) END,
       '138' || lpad((i * 7919 % 100000000)::text, 8, '0'),
       'GJJ' || lpad(i::text, 12, '0'),
       w.places[1 + i % 7],
       w.political[1 + i % 5],
       CASE WHEN i % 3 = 0 THEN '硕士' ELSE '学士' END,
       w.majors[1 + i % 6],
       w.schools[1 + i % 5]
FROM generate_series(1, :subjects) AS i, words AS w;

CREATE TABLE hr.pension (
  id_card varchar(18) PRIMARY KEY,
  insured_since date NOT NULL,
  contribution_months integer NOT NULL,
  contribution_base numeric(10,2) NOT NULL,
  account_balance numeric(12,2) NOT NULL
);
INSERT INTO hr.pension
SELECT '33010219' || lpad(i::text, 9, '0') || '0', date '2014-10-01', 120 + i % 400,
       (6000 + i % 9000)::numeric + 0.5, (80000 + i * 37 % 300000)::numeric + 0.25
FROM generate_series(1, :subjects) AS i;

CREATE TABLE establishment.staffing (
  id_card varchar(18) PRIMARY KEY,
  org varchar(64) NOT NULL,
  org_credit_code varchar(18) NOT NULL,
  post varchar(32) NOT NULL,
  post_level varchar(32),
  establishment_type varchar(32) NOT NULL,
  staffed_since date NOT NULL,
  department_name varchar(64),
  post_category varchar(16),
  appointed_by varchar(64),
  appointment_doc varchar(64)
);
INSERT INTO establishment.staffing
SELECT '33010219' || lpad(i::text, 9, '0') || '0',
       w.orgs[1 + i % 7], '1133010000248' || lpad((i % 7)::text, 4, '0') || 'X',
       w.posts[1 + i % 7], w.levels[1 + i % 6], w.establishment_types[1 + i % 3],
       date '1985-09-01' + (i % 6000), '办公室', CASE WHEN i % 4 = 0 THEN '专业技术' ELSE '管理' END,
       '中共' || w.orgs[1 + i % 7] || '党组', '杭人社〔' || (2000 + i % 25) || '〕' || (i % 300) || '号'
FROM generate_series(1, :subjects) AS i, words AS w;

CREATE TABLE finance.salary (
  id_card varchar(18) PRIMARY KEY,
  base_salary numeric(10,2) NOT NULL,
  grade_salary numeric(10,2) NOT NULL,
  allowance numeric(10,2),
  paid_through date NOT NULL,
  performance_bonus numeric(10,2),
  housing_subsidy numeric(10,2),
  seniority_pay numeric(10,2),
  bank_name varchar(64),
  bank_account varchar(32),
  pay_grade varchar(16)
);
INSERT INTO finance.salary
SELECT '33010219' || lpad(i::text, 9, '0') || '0',
       (2000 + i % 3000)::numeric, (1500 + i % 2500)::numeric + 0.5, (3000 + i % 4000)::numeric,
       date '2026-10-31', (1000 + i % 1500)::numeric, (800 + i % 600)::numeric, (i % 400)::numeric,
       w.banks[1 + i % 4], '6222' || lpad((i::bigint * 104729 % 1000000000000)::text, 15, '0'),
       (10 + i % 30) || '级'
FROM generate_series(1, :subjects) AS i, words AS w;

CREATE TABLE housing_fund.account (
  account_no varchar(20) PRIMARY KEY,
  holder_id_card varchar(18) NOT NULL,
  balance numeric(12,2) NOT NULL,
  status varchar(8) NOT NULL,
  opened date NOT NULL,
  monthly_deposit numeric(10,2),
  has_loan boolean NOT NULL
);
INSERT INTO housing_fund.account
SELECT 'GJJ' || lpad(i::text, 12, '0'), '33010219' || lpad(i::text, 9, '0') || '0',
       (10000 + i * 13 % 400000)::numeric + 0.75, CASE WHEN i % 50 = 0 THEN '封存' ELSE '正常' END,
       date '1992-01-01' + (i % 9000), (500 + i % 3000)::numeric, i % 5 = 0
FROM generate_series(1, :subjects) AS i;

CREATE TABLE civil_affairs.marriage (
  id_card varchar(18) PRIMARY KEY,
  marital_status varchar(8) NOT NULL,
  spouse_name varchar(32),
  registered_on date
);
INSERT INTO civil_affairs.marriage
SELECT '33010219' || lpad(i::text, 9, '0') || '0', w.marital[1 + i % 6],
       CASE WHEN i % 6 < 3 THEN w.surnames[1 + (i + 5) % 23] || w.given[1 + (i + 3) % 18] END,
       CASE WHEN i % 6 <> 3 THEN date '1985-05-01' + (i % 7000) END
FROM generate_series(1, :subjects) AS i, words AS w;

CREATE TABLE civil_affairs.household (
  id_card varchar(18) PRIMARY KEY,
  address varchar(200) NOT NULL,
  household_type varchar(8) NOT NULL
);
INSERT INTO civil_affairs.household
SELECT '33010219' || lpad(i::text, 9, '0') || '0',
       '浙江省杭州市西湖区文三路' || (i % 900) || '号' || (i % 30) || '幢' || (i % 6 + 1) || '单元',
       CASE WHEN i % 9 = 0 THEN '农业' ELSE '非农业' END
FROM generate_series(1, :subjects) AS i;

CREATE TABLE medical_insurance.insured (
  id_card varchar(18) PRIMARY KEY,
  insurance_status varchar(8) NOT NULL,
  card_no varchar(20) NOT NULL,
  insured_since date NOT NULL,
  last_settlement timestamp,
  health_notes text,
  chronic_conditions varchar(64)
);
INSERT INTO medical_insurance.insured
SELECT '33010219' || lpad(i::text, 9, '0') || '0', '参保缴费', 'a' || lpad(i::text, 11, '0'),
       date '1999-01-01' + (i % 8000), timestamp '2026-01-01 08:00:00' + (i % 300000) * interval '1 minute',
       CASE WHEN i % 10 = 0 THEN '高血压，长期服药' END, CASE WHEN i % 10 = 0 THEN '高血压' END
FROM generate_series(1, :subjects) AS i;

DO $$
DECLARE dept text;
BEGIN
  FOREACH dept IN ARRAY ARRAY['hr', 'establishment', 'finance', 'housing_fund', 'civil_affairs',
                              'medical_insurance'] LOOP
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', dept, dept);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', dept, dept);
  END LOOP;
END
$$;

ANALYZE;
