-- Training (培训): courses a provider (a service platform) offers with their lessons (text, or a
-- PDF or video file kept under the service's file directory), enrolments with each learner's
-- progress per lesson, offline sessions with a capacity, registrations and sign-in (by the
-- rotating code on the trainer's screen or by the trainer), and the certificates issued when a
-- course's completion rule is met.

CREATE TABLE training_courses (
    id BIGINT PRIMARY KEY,
    provider_id BIGINT NOT NULL REFERENCES organizations (id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    field TEXT NOT NULL,
    hours BIGINT NOT NULL CHECK (hours BETWEEN 1 AND 500),
    -- The completion rule: every required lesson done, and at least this many offline sessions
    -- attended.
    required_sessions BIGINT NOT NULL DEFAULT 0 CHECK (required_sessions BETWEEN 0 AND 50),
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'withdrawn')),
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX training_courses_provider_idx ON training_courses (provider_id, status);

CREATE TABLE training_lessons (
    id BIGINT PRIMARY KEY,
    course_id BIGINT NOT NULL REFERENCES training_courses (id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('text', 'pdf', 'video')),
    body TEXT NOT NULL DEFAULT '',
    minutes BIGINT NOT NULL CHECK (minutes BETWEEN 1 AND 600),
    required BIGINT NOT NULL DEFAULT 1 CHECK (required IN (0, 1)),
    -- The file of a PDF or video lesson, once uploaded (written after the file is on disk).
    file_name TEXT,
    content_type TEXT,
    size_bytes BIGINT,
    sha256 TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX training_lessons_course_idx ON training_lessons (course_id, position);

-- One person on one course: an account's own enrolment, or a person without one whom the
-- provider registered for an offline session (name and phone).
CREATE TABLE training_enrolments (
    id BIGINT PRIMARY KEY,
    course_id BIGINT NOT NULL REFERENCES training_courses (id),
    user_id BIGINT REFERENCES users (id),
    name TEXT NOT NULL,
    phone TEXT,
    enterprise_id BIGINT REFERENCES organizations (id),
    enrolled_at BIGINT NOT NULL,
    enrolled_by TEXT NOT NULL,
    completed_at BIGINT,
    CONSTRAINT training_enrolments_course_id_user_id_key UNIQUE (course_id, user_id),
    CONSTRAINT training_enrolments_course_id_phone_key UNIQUE (course_id, phone)
);
CREATE INDEX training_enrolments_user_idx ON training_enrolments (user_id);

CREATE TABLE training_progress (
    enrolment_id BIGINT NOT NULL REFERENCES training_enrolments (id),
    lesson_id BIGINT NOT NULL REFERENCES training_lessons (id),
    seconds BIGINT NOT NULL DEFAULT 0,
    completed_at BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (enrolment_id, lesson_id)
);

CREATE TABLE training_sessions (
    id BIGINT PRIMARY KEY,
    course_id BIGINT NOT NULL REFERENCES training_courses (id),
    title TEXT NOT NULL,
    place TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL CHECK (ends_at > starts_at),
    capacity BIGINT NOT NULL CHECK (capacity BETWEEN 1 AND 1000),
    trainer TEXT NOT NULL,
    -- The key the rotating sign-in code of this session is derived from (hex), never shown.
    secret TEXT NOT NULL,
    cancelled_at BIGINT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX training_sessions_course_idx ON training_sessions (course_id, starts_at);

CREATE TABLE training_registrations (
    id BIGINT PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES training_sessions (id),
    enrolment_id BIGINT NOT NULL REFERENCES training_enrolments (id),
    registered_at BIGINT NOT NULL,
    signed_in_at BIGINT,
    sign_in_method TEXT CHECK (sign_in_method IN ('code', 'trainer')),
    signed_in_by TEXT,
    CONSTRAINT training_registrations_session_id_enrolment_id_key UNIQUE (session_id, enrolment_id)
);

CREATE TABLE training_certificates (
    code TEXT PRIMARY KEY,
    enrolment_id BIGINT NOT NULL UNIQUE REFERENCES training_enrolments (id),
    course_id BIGINT NOT NULL REFERENCES training_courses (id),
    holder_name TEXT NOT NULL,
    course_title TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    hours BIGINT NOT NULL,
    issued_at BIGINT NOT NULL
);
CREATE INDEX training_certificates_course_idx ON training_certificates (course_id);
