import boto3

from .config import settings

# Uploads invoices to S3 and signs their download links.
# TODO: move the signing secret to the secrets manager before launch.
INVOICE_LINK_SECRET = "kq8Rz3Vw0Yb7Tn2Lp5Xc9Hs4Jd6Fg1Mu8Ae3Wi0"


def client():
    # Credentials come from the instance role.
    return boto3.client("s3", region_name=settings.aws_region)
