#!/usr/bin/perl
# Validates every HTTP exchange the integration tests recorded (tests/integration/HttpClient.cpp
# writes them as JSON lines) against api/openapi.json, so that the document and the code cannot
# drift: the status must be documented for the path and method, the content type must be one the
# response declares, and the body and headers must match its schemas ($refs resolved).
#
# The OpenAPI checks are JSON::Validator's (Debian: libjson-validator-perl), a real OpenAPI 3
# validator; this script only finds the operation of each exchange and reports.
#
# usage: validate-exchanges.pl OPENAPI_JSON EXCHANGE_DIR
# Exits 0 when every exchange is valid, 1 when some are not or when nothing was recorded (a check
# that saw nothing proves nothing), 2 when it cannot run.
use strict;
use warnings;

BEGIN {
  # Fail with the fix, not with Perl's @INC dump, where the module is missing.
  unless (eval { require JSON::Validator::Schema::OpenAPIv3; 1 }) {
    print STDERR "JSON::Validator is missing: apt-get install libjson-validator-perl\n";
    exit 2;
  }
}
use Mojo::JSON qw(decode_json);
use Mojo::Util qw(encode);

my ($document_path, $exchange_dir) = @ARGV;
die "usage: $0 OPENAPI_JSON EXCHANGE_DIR\n" unless defined $exchange_dir;

{
  my $errors = JSON::Validator::Schema::OpenAPIv3->new($document_path)->errors;
  if (@$errors) {
    print "$document_path is not a valid OpenAPI 3.0 document:\n";
    print "  $_\n" for @$errors;
    exit 1;
  }
}
# JSON::Validator follows $refs to schemas but not a response's $ref to a header object, which it
# would then take for a schema: response, header and parameter objects are inlined first. It also
# matches content types without their parameters, so its copy of the document has none
# (declared_content_type checks them).
my $document = inline_objects(read_json($document_path));
my $schema = JSON::Validator::Schema::OpenAPIv3->new(
  without_media_type_parameters(inline_objects(read_json($document_path))));
$schema->resolve;
# JSON::Validator coerces by default for OpenAPI (a request's query parameters arrive as text), so
# that 120 would pass for a string and "120" for an integer: answers are checked as sent.
$schema->coerce({});
binmode STDOUT, ':encoding(UTF-8)';

my @templates = templates_by_specificity(keys %{$document->{paths}});

my (%violations, %operations_seen);
my $exchanges = 0;
opendir(my $dir, $exchange_dir) or do {
  print "no exchanges recorded: cannot read $exchange_dir ($!)\n";
  exit 1;
};
for my $file (sort grep {/\.jsonl$/} readdir $dir) {
  open(my $in, '<:raw', "$exchange_dir/$file") or die "cannot read $exchange_dir/$file: $!\n";
  while (my $line = <$in>) {
    next unless $line =~ /\S/;
    my $exchange = eval { decode_json($line) };
    unless ($exchange) {
      $violations{"$file line $.: not a JSON exchange record"} = 1;
      next;
    }
    ++$exchanges;
    for my $problem (check($exchange)) {
      my $where = join(' ', uc $exchange->{method}, $exchange->{path}, $exchange->{status});
      $violations{"$where: $problem"}{$exchange->{test} // '?'} = 1;
    }
  }
  close $in;
}
closedir $dir;

if ($exchanges == 0) {
  print "no exchanges recorded in $exchange_dir: did the integration tests run with "
    . "ONCEGATE_TEST_EXCHANGES set?\n";
  exit 1;
}
my $operations = keys %operations_seen;
if (%violations) {
  print scalar(keys %violations), " violations of $document_path in $exchanges exchanges:\n";
  for my $violation (sort keys %violations) {
    my @tests = ref $violations{$violation} ? sort keys %{$violations{$violation}} : ();
    my $from = @tests ? ' (' . join(', ', @tests[0 .. ($#tests < 2 ? $#tests : 2)])
      . (@tests > 3 ? ', ...' : '') . ')' : '';
    print "  $violation$from\n";
  }
  exit 1;
}
print "$exchanges exchanges on $operations operations match $document_path\n";
exit 0;

sub read_json {
  my ($path) = @_;
  open(my $in, '<:raw', $path) or die "cannot read $path: $!\n";
  local $/;
  return decode_json(<$in>);
}

sub inline_objects {
  my ($document) = @_;
  my $inline;
  $inline = sub {
    my ($node) = @_;
    if (ref $node eq 'HASH') {
      my $target = $node->{'$ref'};
      if (defined $target && $target =~ m{^#/components/(responses|headers|parameters)/([^/]+)$}) {
        return $inline->($document->{components}{$1}{$2});
      }
      return {map { ($_ => $inline->($node->{$_})) } keys %$node};
    }
    return [map { $inline->($_) } @$node] if ref $node eq 'ARRAY';
    return $node;
  };
  return $inline->($document);
}

sub media_type { lc((split /;/, $_[0], 2)[0]) =~ s/\s+//gr }

sub without_media_type_parameters {
  my ($document) = @_;
  for my $item (values %{$document->{paths}}) {
    for my $operation (grep { ref eq 'HASH' } values %$item) {
      for my $response (values %{$operation->{responses} || {}}) {
        my $content = $response->{content} or next;
        $response->{content} = {map { (media_type($_) => $content->{$_}) } keys %$content};
      }
    }
  }
  return $document;
}

# Concrete paths match the template with the most literal segments first, as a router would:
# /admin/v1/policies/explain before /admin/v1/policies/{id}.
sub templates_by_specificity {
  my @compiled;
  for my $template (@_) {
    my @segments = split m{/}, $template, -1;
    my $literals = grep { !/^\{.*\}$/ } @segments;
    my $pattern = join '/', map { /^\{.*\}$/ ? '[^/]+' : quotemeta } @segments;
    push @compiled, [$template, qr/^$pattern$/, scalar(@segments), $literals];
  }
  return sort { $b->[3] <=> $a->[3] || $b->[2] <=> $a->[2] || $a->[0] cmp $b->[0] } @compiled;
}

sub template_of {
  my ($path) = @_;
  for my $compiled (@templates) {
    return $compiled->[0] if $path =~ $compiled->[1];
  }
  return undef;
}

# The problems of one exchange, as text; none when it matches the document.
sub check {
  my ($exchange) = @_;
  my $method = lc($exchange->{method} // '');
  my $status = $exchange->{status} // 0;
  my $path = (split /\?/, ($exchange->{path} // ''), 2)[0] // '';

  # A request line that is not HTTP names no operation; the answer must be the documented 400.
  unless (length $path) {
    return ("a request that is not HTTP is answered $status, not 400") unless $status == 400;
    return check_response($exchange, 'BadRequest');
  }
  my $template = template_of($path);

  # The document cannot list the paths and methods the gateway does not serve; its answers to
  # them must still be the documented error.
  unless (defined $template) {
    return ("no path of the document matches and the answer is not 404") unless $status == 404;
    return check_response($exchange, 'NotFound');
  }
  my $operation = $document->{paths}{$template}{$method};
  unless ($operation) {
    return ("$template has no " . uc($method) . " and the answer is not 405") unless $status == 405;
    return check_response($exchange, 'MethodNotAllowed');
  }
  $operations_seen{"$method $template"} = 1;

  my $responses = $operation->{responses};
  unless ($responses->{$status} || $responses->{default}) {
    return ("status $status is not documented for " . uc($method) . " $template (documented: "
        . join(', ', sort keys %$responses) . ')');
  }
  my @problems = check_body_presence($exchange, $responses->{$status} || $responses->{default});
  return @problems if @problems;
  my ($content_type, $value, $decode_problem) = body_of($exchange);
  return ($decode_problem) if $decode_problem;
  if (defined $content_type) {
    my $response = $responses->{$status} || $responses->{default};
    my $declared = declared_content_type($response, $content_type);
    return ("content type $content_type is not one of "
        . join(', ', sort keys %{$response->{content}})) unless $declared;
    $content_type = media_type($declared);
  }
  my @errors = $schema->validate_response(
    [$method, $template, $status],
    { body => sub {
        return {exists => defined $value, value => $value, content_type => $content_type};
      },
      header => sub {
        my ($name) = @_;
        my $header = $exchange->{headers}{lc $name};
        return {exists => defined $header, value => $header};
      },
    });
  return map {"$_"} @errors;
}

# For answers outside the operations of the document (unknown path, unserved method).
sub check_response {
  my ($exchange, $name) = @_;
  my $response = $document->{components}{responses}{$name};
  my @problems = check_body_presence($exchange, $response);
  return @problems if @problems;
  my ($content_type, $value, $decode_problem) = body_of($exchange);
  return ($decode_problem) if $decode_problem;
  return () unless defined $value;
  my $declared = declared_content_type($response, $content_type);
  return ("content type $content_type is not one of " . join(', ', sort keys %{$response->{content}}))
    unless $declared;
  return map {"$_"}
    $schema->validate($value, $schema->data->{components}{responses}{$name}{content}{$declared}{schema});
}

# The key of the response's content map that names the media type sent. Parameters are compared
# only where the document names them (text/plain; version=0.0.4), so that a charset the document
# does not mention is no violation; JSON::Validator compares the whole text.
sub declared_content_type {
  my ($response, $sent) = @_;
  my $parameters = sub { my @p = map { lc s/\s+//gr } split /;/, $_[0]; shift @p; sort @p };
  my %sent_parameters = map { ($_ => 1) } $parameters->($sent);
  for my $declared (sort keys %{$response->{content} || {}}) {
    next unless media_type($declared) eq media_type($sent);
    next if grep { !$sent_parameters{$_} } $parameters->($declared);
    return $declared;
  }
  return undef;
}

sub check_body_presence {
  my ($exchange, $response) = @_;
  my $declared = $response->{content} && %{$response->{content}};
  my $has_body = length($exchange->{body} // '') > 0;
  return ("a body is sent where the document declares none") if $has_body && !$declared;
  return ("no body is sent where the document declares "
      . join(', ', sort keys %{$response->{content}}))
    if !$has_body && $declared;
  return ();
}

# The content type (without parameters, except where the document names them) and the body as
# the validator wants it: decoded JSON for JSON, the text otherwise.
sub body_of {
  my ($exchange) = @_;
  my $body = $exchange->{body} // '';
  return (undef, undef, undef) unless length $body;
  my $content_type = $exchange->{content_type} // '';
  return (undef, undef, 'a body is sent without a Content-Type') unless length $content_type;
  return ($content_type, $body, undef) unless $content_type =~ m{^application/(?:[\w.+-]+\+)?json\b}i;
  my $value = eval { decode_json(encode('UTF-8', $body)) };
  return ($content_type, undef, "the body is not JSON: " . ($@ =~ s/ at \S+ line \d+.*//sr))
    if $@;
  return ($content_type, $value, undef);
}
